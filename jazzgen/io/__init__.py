"""Files in and out: the MIDI reader and writer, lead-sheet and chord-chart readers."""
