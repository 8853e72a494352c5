"""Leaderboards: entries as files, re-scored under every protocol, ranked with statistical ties.

Data lives in the repository's ``leaderboards/`` folder (``entries/<dataset>/<entry>.toml``,
``submissions/``, the generated ``README.md`` and ``site/``); the code here reads it:

* :mod:`.boards` - which boards exist, their metrics and how printed columns map to ours;
* :mod:`.entries` - reading and validating entry files (JSON Schema ``entry.schema.json``);
* :mod:`.sources` - where an entry's predictions are (a committed file, a fetched URL, a release file);
* :mod:`.scorecache` - scores and bootstrap resamples, cached by the inputs' identity;
* :mod:`.ranking` - tie groups from paired bootstrap tests between neighbours;
* :mod:`.consistency` - printed numbers that contradict each other;
* :mod:`.model` - the leaderboard document (``leaderboard.json``) every output is rendered from;
* :mod:`.markdown`, :mod:`.html`, :mod:`.plots` - the outputs;
* :mod:`.build` - build and check; :mod:`.submit` - ``leaderboard add``; :mod:`.fetch` - ``leaderboard fetch``.

Heavy dependencies (matplotlib, jinja2, tomli-w) are the ``leaderboard`` extra, imported only here.
"""
