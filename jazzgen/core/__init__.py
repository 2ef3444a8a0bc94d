"""Values every stage shares: types, constants, errors, harmony, chord symbols, timelines."""
