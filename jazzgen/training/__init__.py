"""The LSTM: configs, the Keras model, the training run, checkpoints and the bundle."""
