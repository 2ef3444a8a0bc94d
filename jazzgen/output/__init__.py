"""What users hear and see: backing parts, WAV audio, piano-roll and curve pictures."""
