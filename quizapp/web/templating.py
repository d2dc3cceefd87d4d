"""Names the templates use: labels from the domain catalogues, the permission helper, sources."""

from __future__ import annotations

from flask import Flask

from quizapp.domain.face import PRODUCTS
from quizapp.domain.quiz import zone_label
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.sources import SOURCES, grouped_sources
from quizapp.permissions import Action, can, current_membership
from quizapp.web import facemap
from quizapp.web.plandata import default_side, plan_script_data


def product_label(product_id: str) -> str:
    return PRODUCTS[product_id].label if product_id in PRODUCTS else product_id


def product_unit(product_id: str) -> str:
    return PRODUCTS[product_id].unit if product_id in PRODUCTS else ""


def red_flag_label(flag_id: str) -> str:
    return RED_FLAGS[flag_id].label if flag_id in RED_FLAGS else flag_id


def amount(value: float | int | None) -> str:
    """20.0 -> "20", 0.75 -> "0.75", None -> "–"."""
    if value is None:
        return "–"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def plural(count: float | int, word: str, many: str | None = None) -> str:
    """1 -> "1 grade", 3 -> "3 grades"; `many` for irregular plurals ("entry", "entries")."""
    shown = amount(count)
    return f"{shown} {word if count == 1 else (many or word + 's')}"


def topic_label(topic: str) -> str:
    """A topic slug as people read it: "dose-judgement" -> "Dose judgement"."""
    return topic.replace("-", " ").replace("_", " ").capitalize()


def register_template_helpers(app: Flask) -> None:
    from quizapp.markup import register_markup

    register_markup(app)  # `markdown` and `markdown_inline`: educators' text, sanitised
    app.jinja_env.globals.update(
        can=can,
        Action=Action,
        current_membership=current_membership,
        face_map_geometry=facemap,
        source=SOURCES.get,
        source_groups=grouped_sources(),
        zone_label=zone_label,
        product_label=product_label,
        product_unit=product_unit,
        plan_script_data=plan_script_data,
        default_side=default_side,
    )
    app.jinja_env.filters.update(
        zone_label=zone_label,
        product_label=product_label,
        red_flag_label=red_flag_label,
        amount=amount,
        plural=plural,
        topic_label=topic_label,
    )


def compile_all_templates(app: Flask) -> int:
    """Compile every template into the environment's cache; returns how many.

    Jinja compiles a template on its first use, so without this each gunicorn worker spends its
    first requests compiling (about 1.4 s of CPU for all of them, 10-150 ms on a first report) and
    a template that does not compile fails only when someone opens that page. wsgi.py calls this
    as a worker boots: first requests cost what later ones do, and a broken template stops the
    deploy instead of a page.
    """
    environment = app.jinja_env
    names = environment.list_templates()
    if len(names) > environment.cache.capacity:
        raise RuntimeError(f"{len(names)} templates outgrow the Jinja cache; raise its size")
    for name in names:
        environment.get_template(name)
    return len(names)
