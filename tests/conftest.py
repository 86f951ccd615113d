"""Test configuration: TensorFlow stays quiet, and Keras/torch compare in float64."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
