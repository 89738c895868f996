"""The quizzes tables."""
