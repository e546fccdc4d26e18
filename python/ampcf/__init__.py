"""ampcf in Python: a trained model read with numpy and h5py (`AmpcfModel`, ampcf/model.py)."""
from ampcf.model import AmpcfModel

__all__ = ["AmpcfModel"]
