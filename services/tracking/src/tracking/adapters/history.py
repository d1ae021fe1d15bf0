"""The figures as of a moment (时间回溯): the facts projection's own rules folded over the events on
its topics up to then, read from Kafka (the topics keep every event forever).

One replay per moment asked; the last few moments' facts are kept in memory, since the same
quarter-end is usually asked for several scopes in a row. History does not change, so a kept
answer never goes stale.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

from tracking.application.facts import FactsProjector
from tracking.application.figures import Facts
from ztc_shared.history import fold, replay_until


class FactsAsOf:
    def __init__(self, bootstrap_servers: str, topics: Sequence[str], *, keep: int = 8) -> None:
        self._bootstrap = bootstrap_servers
        self._topics = tuple(topics)
        self._keep = keep
        self._answers: OrderedDict[datetime, Facts] = OrderedDict()
        self._lock = asyncio.Lock()

    async def at(self, moment: datetime) -> Facts:
        async with self._lock:  # one replay at a time; a second asker of the moment waits for it
            if moment in self._answers:
                self._answers.move_to_end(moment)
                return self._answers[moment]
            events = await replay_until(self._bootstrap, self._topics, moment)
            facts = Facts(fold(FactsProjector(), events).values())
            self._answers[moment] = facts
            while len(self._answers) > self._keep:
                self._answers.popitem(last=False)
            return facts
