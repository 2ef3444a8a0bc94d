"""The melody grammar: tokens, encoding a melody, realizing tokens, the vocabulary."""
