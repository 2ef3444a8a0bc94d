"""From a read Score to a LeadSheet: the melody, its bars and their chords."""
