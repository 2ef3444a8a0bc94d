"""How tokens are played, learned from the corpus: the exact pitch, articulation, dynamics."""
