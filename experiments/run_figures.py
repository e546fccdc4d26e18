"""The figures of a finished `ampcf train --out DIR` run, as experiments/ and bench/ scripts read them."""
import json
import os


def final_figures(run):
    """The last metrics.jsonl line of a finished run (one with test figures), or None."""
    try:
        lines = open(os.path.join(run, "metrics.jsonl")).read().splitlines()
        final = json.loads(lines[-1]) if lines else {}
    except (OSError, ValueError):
        return None
    return final if "test_hr@10" in final else None
