"""A solo from a bundle: chord plan, inference engines, constrained decoding, clean-up."""
