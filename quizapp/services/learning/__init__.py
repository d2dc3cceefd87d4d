"""What trainees do: quiz attempts, case-study attempts, progress, the content lists."""
