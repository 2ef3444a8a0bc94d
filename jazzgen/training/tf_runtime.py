"""Importing TensorFlow and Keras without TensorFlow's C++ start-up chatter.

TensorFlow 2.21 prints oneDNN and CUDA-probing lines (and, on machines without a GPU, an
alarming "failed call to cuInit" error line) from C++ before its log level applies, so
`TF_CPP_MIN_LOG_LEVEL` alone does not hide them. `import_tensorflow` sends file descriptor
2 to /dev/null while TensorFlow loads and probes its devices, then restores it; Python
exceptions still surface normally afterwards.

Modules that need Keras at import time (training.train, training.checkpoint) write

    from jazzgen.training.tf_runtime import keras

which imports it quietly on first use, so importing them needs no prior call. This module
itself stays cheap: nothing heavy is imported until `keras` or a function is asked for.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras  # noqa: F401  (for type checkers; at run time see __getattr__)


def import_tensorflow() -> ModuleType:
    """Import and initialise TensorFlow quietly (once); return the module."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        tf.config.list_physical_devices()  # the CUDA probe happens here, still muted
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tf


def import_keras() -> ModuleType:
    """Import Keras (TensorFlow backend) after TensorFlow's quiet start-up; return it."""
    if "keras" not in sys.modules:
        import_tensorflow()
    import keras

    return keras


def __getattr__(name: str) -> ModuleType:
    """`from jazzgen.training.tf_runtime import keras`: Keras, imported quietly (PEP 562)."""
    if name == "keras":
        return import_keras()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
