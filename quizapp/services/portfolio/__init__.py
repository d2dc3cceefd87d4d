"""Real practice: the logbook, mentors, the CPD ledger and the portfolio export."""
