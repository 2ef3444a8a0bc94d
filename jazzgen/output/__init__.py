"""What users hear and see: backing parts, WAV audio, live MIDI, notation, pictures."""
