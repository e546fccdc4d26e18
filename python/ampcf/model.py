#!/usr/bin/python3
"""A trained ampcf model in Python (numpy and h5py only): load model.h5, score, recommend, explain.

    import sys; sys.path.insert(0, "python")   # or PYTHONPATH=python
    from ampcf import AmpcfModel
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

Fold-in of a user the model never saw, as `ampcf recommend --new-users` does it (worker/fold_in.h):

    personas = model.fold_in("alice", items=[1, 50, 260])
    model.recommend(personas=personas, seen=[1, 50, 260])

It repeats the C++ fold-in step for step: the same starting row, the same negatives (the same
random streams: mt19937_64 seeded as core/rng.h seeds it, Vose's alias sampler over the
training counts the model file records), the model's training loss (read back from the options
the file records) and Adam, so the personas agree with the CLI's to float rounding.
"""
import math
import warnings

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
            self.train_counts = f["items/train_counts"][:] if "items/train_counts" in f else None
            self.options = _options(_text(f.attrs.get("config", b"")))
        self.path = path
        self._fold_in_sampler = None  # built on the first fold_in
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
        return self._item_index[self._item_key(item)]

    def _item_key(self, item):
        """An item's key in _item_index: integer ids are read as the C++ reads them ("+7", "007")."""
        if self.item_names is None:
            try:
                return str(int(str(item).strip()))
            except ValueError:
                return str(item)
        return str(item)

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

    def fold_in(self, user, items, steps=100, lr=0.03, seed=1):
        """Personas (r x d) fitted to `items` (dataset ids; unknown ones skipped with a warning) with
        every other parameter frozen, as `ampcf recommend --new-users` with --fold-in-steps `steps`,
        --fold-in-lr `lr` and --fold-in-seed `seed` fits the file's user `user` (their id as written
        there: it seeds their negatives)."""
        if self.train_counts is None or "negatives" not in self.options:
            raise ValueError(f"{self.path}: fold-in needs the training counts and options that files of "
                             "trained models record (this one lacks them: written by an older ampcf?)")
        known = []
        for item in items:
            key = self._item_key(item)
            if key in self._item_index:
                known.append(self._item_index[key])
            else:
                warnings.warn(f"item {item} is not in the model; skipped")
        if not known:
            raise ValueError(f"user {user}: no item the model knows (recommend --new-users leaves such a user out)")
        if self._fold_in_sampler is None:
            self._fold_in_sampler = _AliasSampler([int(c) for c in self.train_counts],
                                                  float(self.options["negative_power"]))
        return _FoldIn(self, self.options, lr, self._fold_in_sampler).fit(str(user), sorted(set(known)), steps, seed)

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


def _options(config):
    """The training options a model file records, one 'name = value' per line."""
    options = {}
    for line in config.split("\n"):
        name, sep, value = line.partition(" = ")
        if sep:
            options[name.strip()] = value.strip()
    return options


# core/rng.h and the stream tags of worker/batch_builder.cc, worker/fold_in.cc, models/amp/amp_cf.cc.
_MASK = (1 << 64) - 1
_SHUFFLE_STREAM, _NEGATIVE_STREAM, _FOLD_IN_STREAM = 0x5B0FF1E, 0x9E9A71E, 0xF01D1
_USER_STREAM, _USER_BASE_STREAM = 3, 4
_MAX_REDRAWS = 32


def _splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & _MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return state, z ^ (z >> 31)


def _mix_seed(a, b, c=0):
    _, x = _splitmix64(a)
    _, x = _splitmix64(x ^ b)
    _, x = _splitmix64(x ^ c)
    return x


def _text_key(text):
    """FNV-1a of a user's id text (cli/model_loading.cc: the seed key of a file's user)."""
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & _MASK
    return h


class _Mt19937_64:
    """std::mt19937_64."""

    def __init__(self, seed):
        self.state = [seed & _MASK]
        for i in range(1, 312):
            prev = self.state[-1]
            self.state.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & _MASK)
        self.index = 312

    def _twist(self):
        mt = self.state
        for i in range(312):
            x = (mt[i] & 0xFFFFFFFF80000000) | (mt[(i + 1) % 312] & 0x7FFFFFFF)
            xa = x >> 1
            if x & 1:
                xa ^= 0xB5026F5AA96619E9
            mt[i] = mt[(i + 156) % 312] ^ xa
        self.index = 0

    def __call__(self):
        if self.index >= 312:
            self._twist()
        y = self.state[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        return (y ^ (y >> 43)) & _MASK


def _fill_normal(n, stddev, seed, table, row):
    """core/rng.h FillNormal: n float32 N(0, stddev^2) values of the stream (seed, table, row)."""
    state = _mix_seed(seed, table, row)
    values = np.zeros(n, dtype=np.float32)
    for i in range(0, n, 2):
        state, a = _splitmix64(state)
        state, b = _splitmix64(state)
        u1 = ((a >> 11) + 0.5) * 2.0 ** -53
        u2 = (b >> 11) * 2.0 ** -53
        radius = math.sqrt(-2.0 * math.log(u1)) * stddev
        values[i] = radius * math.cos(2 * math.pi * u2)
        if i + 1 < n:
            values[i + 1] = radius * math.sin(2 * math.pi * u2)
    return values


class _AliasSampler:
    """data/sampler.h: Vose's alias method over counts^power, drawn as the C++ draws."""

    def __init__(self, counts, power):
        n = len(counts)
        p = [float(c) ** power if c > 0 else 0.0 for c in counts]
        total = 0.0
        for value in p:
            total += value
        self.probability = [value / total for value in p]
        threshold = [q * float(n) for q in self.probability]
        alias = list(range(n))
        small = [i for i in range(n) if threshold[i] < 1.0]
        large = [i for i in range(n) if threshold[i] >= 1.0]
        while small and large:
            s, l = small.pop(), large[-1]
            alias[s] = l
            threshold[l] -= 1.0 - threshold[s]
            if threshold[l] < 1.0:
                large.pop()
                small.append(l)
        for i in large + small:
            threshold[i] = 1.0
        self.threshold, self.alias, self.n = threshold, alias, n

    def draw(self, rng):
        column = (rng() * self.n) >> 64
        coin = (rng() >> 11) * 2.0 ** -53
        return column if coin < self.threshold[column] else self.alias[column]


class _FoldIn:
    """worker/fold_in.cc over models/amp/amp_model.cc's loss, for one user of an amp-cf model."""

    def __init__(self, model, options, lr, sampler):
        o = {k: float(v) for k, v in options.items() if _is_number(v)}
        self.model, self.lr = model, np.float32(lr)
        self.negatives, self.batch = int(o["negatives"]), int(o["batch"])
        self.exclude_seen = o["exclude_seen"] != 0
        self.log_q = options["softmax_correction"] == "logq"
        self.alpha, self.lambda_p, self.lambda_n = o["alpha"], o["lambda_p"], o["lambda_n"]
        self.l2_example, self.l2_user_factor, self.persona_tie = o["l2_example"], o["l2_user_factor"], o["persona_tie"]
        self.l2 = np.float32(o["l2"])
        self.train_seed, self.init_std, self.spread = int(options["seed"]), o["init_std"], o["persona_spread"]
        self.sampler = sampler
        self.item_log_q = np.array([math.log(max(p, 1e-30)) for p in self.sampler.probability], dtype=np.float32)

    def start(self):
        """The row every file user starts from: the initialiser's at the dataset's user count."""
        r, d = self.model.personas, self.model.dim
        key = len(self.model.user_ids)
        row = _fill_normal(r * d, self.init_std, self.train_seed, _USER_STREAM, key)
        if self.spread < 1.0:
            base = _fill_normal(d, self.init_std, self.train_seed, _USER_BASE_STREAM, key)
            weight = np.float32(math.sqrt(max(0.0, 1.0 - self.spread * self.spread)))
            row = weight * np.tile(base, r) + np.float32(self.spread) * row
        return row.reshape(r, d).astype(np.float32)

    def fit(self, user, items, steps, seed):
        U = self.start()
        n = len(items)
        key = _mix_seed(seed, _FOLD_IN_STREAM, _text_key(user))
        per_pass = (n + self.batch - 1) // self.batch
        m = np.zeros_like(U)
        v = np.zeros_like(U)
        seen = set(items)
        order = list(range(n))
        for step in range(steps):
            epoch, b = divmod(step, per_pass)
            if b == 0:
                rng = _Mt19937_64(_mix_seed(_mix_seed(key, _SHUFFLE_STREAM, epoch), 0))
                order = list(range(n))
                for i in range(n - 1, 0, -1):
                    j = (rng() * (i + 1)) >> 64
                    order[i], order[j] = order[j], order[i]
            rng = _Mt19937_64(_mix_seed(_mix_seed(key, _NEGATIVE_STREAM, epoch), b, 0))
            rows = []
            for pair in order[b * self.batch:min((b + 1) * self.batch, n)]:
                positive = items[pair]
                row = [positive]
                for _ in range(self.negatives):
                    negative = self.sampler.draw(rng)
                    redraws = 0
                    while redraws < _MAX_REDRAWS and (negative == positive or (self.exclude_seen and negative in seen)):
                        negative = self.sampler.draw(rng)
                        redraws += 1
                    row.append(negative)
                rows.append(row)
            gradient = self.gradient(U, np.array(rows))
            # tables/adam.h: AdamUpdateRow, in float32.
            t = step + 1
            one, beta1, beta2 = np.float32(1), np.float32(0.9), np.float32(0.999)
            c1 = one - beta1 ** np.float32(t)
            c2 = one - beta2 ** np.float32(t)
            rate = self.lr * np.sqrt(c2) / c1
            g = gradient + self.l2 * U
            m = beta1 * m + (one - beta1) * g
            v = beta2 * v + (one - beta2) * g * g
            U = (U - rate * m / (np.sqrt(v) + np.float32(1e-8) * np.sqrt(c2))).astype(np.float32)
        return U

    def gradient(self, U, candidates):
        """The user rows' gradient of models/amp/amp_model.cc's batch loss; candidates [n, C]:
        each positive then its negatives (item rows)."""
        model = self.model
        n, C = candidates.shape
        weight = 1.0 / n
        V = model.items[candidates]  # [n, C, d]
        psi = U @ model.att_u  # [r, da]
        phi = V @ model.att_v  # [n, C, da]
        logits = phi @ psi.T  # [n, C, r]
        z = V @ U.T  # [n, C, r]
        shifted = logits - logits.max(axis=2, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=2, keepdims=True)
        a = (e / total).astype(np.float32)
        log_a = shifted - np.log(total)
        y = model.bias[candidates].astype(np.float64) + (a.astype(np.float64) * z).sum(axis=2)
        if self.log_q:
            y = y - self.item_log_q[candidates]
        probability = np.exp(y - y.max(axis=1, keepdims=True))
        probability /= probability.sum(axis=1, keepdims=True)
        label = np.zeros((n, C))
        label[:, 0] = 1.0
        g_score = (self.alpha * (probability - label) * weight).astype(np.float32)[:, :, None]  # [n, C, 1]
        beta = 1.0 - self.alpha
        entropy_weight = np.full(C, -self.lambda_n / max(C - 1, 1))
        entropy_weight[0] = self.lambda_p
        g_entropy = (beta * entropy_weight * weight).astype(np.float32)[None, :, None]
        g_attention = g_score * z - g_entropy * (log_a + np.float32(1))
        weighted = (a * g_attention).sum(axis=2, keepdims=True)
        g_logit = a * (g_attention - weighted)  # [n, C, r]
        d_psi = np.einsum("ncr,ncd->rd", g_logit, phi)
        grad = np.einsum("ncr,ncd->rd", g_score * a, V) + d_psi @ model.att_u.T
        if self.l2_example > 0:
            grad += np.float32(self.l2_example * self.l2_user_factor * weight) * n * U
        if self.persona_tie > 0 and model.personas > 1:
            grad += np.float32(self.persona_tie * weight) * n * (U - U.mean(axis=0))
        return grad.astype(np.float32)


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False
