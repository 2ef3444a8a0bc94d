"""jazzgen: learn jazz improvisation from MIDI with a Keras LSTM, write new solos as MIDI."""

__version__ = "0.1.0"
