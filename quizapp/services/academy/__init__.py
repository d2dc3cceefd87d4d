"""What an academy runs: certification, reports, badges, the demo academy."""
