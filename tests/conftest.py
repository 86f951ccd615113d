"""Test configuration: TensorFlow stays quiet, and Keras/torch compare in float64."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # else TF 2.21 prints a oneDNN notice to stderr
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
