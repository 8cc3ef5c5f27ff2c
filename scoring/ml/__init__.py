"""Plain Python, NumPy, pandas and LightGBM: nothing in this package imports Django."""
