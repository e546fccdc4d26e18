#!/usr/bin/python3
"""A trained ampcf model in Python (numpy and h5py only): load model.h5, score, recommend, explain.

    import sys; sys.path.insert(0, "launch")
    from ampcf_model import AmpcfModel
    model = AmpcfModel("runs/mls/model.h5")
    for item, score, persona, weight in model.recommend(user=1, top=10, seen=[1, 50, 260]):
        print(item, score, persona, weight)

It reads the vector models, AMP-CF and MF (AMP-CF with r = 1): the item vectors v_j, biases b_j,
each user's personas u_ik and the attention maps A_u, A_v (io/model_file.h), and computes what
`ampcf recommend` and `ampcf explain` compute (models/amp/amp_model.h):

    a_ijk = softmax_k((u_ik A_u) . (v_j A_v)),   y_ij = sum_k a_ijk (u_ik . v_j) + b_j

Scores agree with the C++ tool to float rounding (it computes in float32; so does this, except
the softmax, which is taken in float64). The model file does not hold the dataset: pass the
items to leave out (a user's training items) as `seen`, in the dataset's ids. Users and items
are named by the dataset's ids, or by their names for string-id datasets.
"""
import h5py
import numpy as np


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _lines(f, path):
    return bytes(f[path][:]).decode().split("\n")[:-1] if path in f else None  # every line ends with "\n"


class AmpcfModel:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            if _text(f.attrs.get("format", b"")) != "ampcf-model":
                raise ValueError(f"{path}: not an ampcf model file")
            self.kind = _text(f.attrs.get("model", b"amp-cf"))
            if self.kind != "amp-cf":
                raise ValueError(f"{path}: a {self.kind} model; this module reads amp-cf (AMP-CF and MF) models")
            self.personas = int(f.attrs["personas"])
            self.dim = int(f.attrs["dim"])
            self.item_ids = f["items/ids"][:]
            self.items = f["items/embedding"][:].astype(np.float32)  # v_j
            self.bias = f["items/bias"][:].astype(np.float32)  # b_j
            self.user_ids = f["users/ids"][:]
            self.users = f["users/personas"][:].astype(np.float32)  # [users, r, d]
            self.att_u = f["attention/A_u"][:].astype(np.float32) if "attention/A_u" in f else None
            self.att_v = f["attention/A_v"][:].astype(np.float32) if "attention/A_v" in f else None
            user_names, item_names = _lines(f, "users/names"), _lines(f, "items/names")
        if user_names is None:
            self._user_row = {_key(i): r for r, i in enumerate(self.user_ids)}
        else:
            self._user_row = {name: r for r, name in enumerate(user_names)}
        self.item_names = item_names
        self._item_index = {(str(int(i)) if item_names is None else item_names[j]): j for j, i in enumerate(self.item_ids)}
        # phi_j = v_j A_v once for every item (the C++ scorer keeps it too).
        self._phi = self.items @ self.att_v if self.att_v is not None else None

    def item_id(self, index):
        """The dataset's id (or name) of item row `index`."""
        return self.item_names[index] if self.item_names is not None else int(self.item_ids[index])

    def item_index(self, item):
        return self._item_index[str(item)]

    def personas_of(self, user):
        """The user's persona matrix, r x d."""
        try:
            return self.users[self._user_row[_key(user)]]
        except KeyError:
            raise KeyError(f"no user {user} in the model") from None

    def score_personas(self, personas, items=None):
        """Scores and attention of a persona matrix (r x d) on `items` (row indices; all when None):
        (scores [n], attention [n, r])."""
        v = self.items if items is None else self.items[items]
        b = self.bias if items is None else self.bias[items]
        dots = v @ personas.T  # [n, r]: u_ik . v_j
        if self.personas == 1 or self._phi is None:
            attention = np.ones_like(dots)
        else:
            phi = self._phi if items is None else self._phi[items]
            logits = (phi @ (personas @ self.att_u).T).astype(np.float64)  # [n, r]: psi_ik . phi_j
            logits -= logits.max(axis=1, keepdims=True)
            attention = np.exp(logits)
            attention /= attention.sum(axis=1, keepdims=True)
        return (attention * dots).sum(axis=1).astype(np.float32) + b, attention.astype(np.float32)

    def scores(self, user, items=None):
        return self.score_personas(self.personas_of(user), items)

    def recommend(self, user=None, top=10, seen=(), personas=None):
        """The best `top` items not in `seen` (dataset ids), best first (ties: lower row), as
        (item id, score, explaining persona from 0, its attention weight)."""
        scores, attention = self.score_personas(self.personas_of(user) if personas is None else personas)
        scores = scores.astype(np.float64)
        scores[~np.isfinite(scores)] = -np.inf
        for item in seen:
            scores[self.item_index(item)] = -np.inf
        order = np.lexsort((np.arange(len(scores)), -scores))
        order = [j for j in order if np.isfinite(scores[j])][:top]
        return [(self.item_id(j), float(scores[j]), int(np.argmax(attention[j])), float(np.max(attention[j])))
                for j in order]

    def explain(self, user, top=10, seen=()):
        """explain's lists: the recommendations, and each persona's own top list (u_ik . v_j + b_j)."""
        personas = self.personas_of(user)
        own = []
        for k in range(self.personas):
            alone = np.repeat(personas[k:k + 1], self.personas, axis=0)  # every persona u_ik: attention is moot
            own.append([(item, score) for item, score, _, _ in self.recommend(top=top, seen=seen, personas=alone)])
        return {"recommendations": self.recommend(user, top, seen), "personas": own}


def _key(user):
    """Users are keyed by their id's text, so that 7, "7" and np.int64(7) are one user."""
    return str(int(user)) if isinstance(user, (int, np.integer)) else str(user)
