"""A table cell of figures over seeds, as every experiments/ script prints them."""
import statistics


def mean_cell(values, missing=""):
    """`missing` for no value, the value for one, else "mean ± sample standard deviation"."""
    if not values:
        return missing
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"
