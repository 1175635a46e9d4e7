"""Fangkong (防控): command platform for epidemic prevention and control."""

__version__ = "0.1.0"
