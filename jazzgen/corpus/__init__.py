"""Many files into training data: preprocessing, the corpus on disk, training windows."""
