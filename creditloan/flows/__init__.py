"""Flows: the order of steps across the apps, and nothing else.

A flow calls one app's service, and says what comes next: queued through the outbox in the same transaction, so
it happens once the write commits and is never lost. The services know nothing of what follows them; the pages,
the API, the commands and the tasks call the flows where a step has a next one.

    submit (core) -> score (scoring) -> route (matching)            applications.py
    a review overturns a knock-out (core) -> route again (matching)  applications.py
    a dispute finds a record wrong (core) -> reassess the firm       records.py
    an import lands (core) -> re-rate every firm, reassess repairs   records.py
    an import lands a serious record (core) -> warn the lenders      records.py
    a post-loan consent given (core) -> warn the lenders (matching)  consent.py
    a champion is promoted (scoring) -> re-rate, score the waiting   champion.py
    a training is asked for (scoring) -> train on a worker           champion.py
    a bank's file of loan statuses (core) -> loan reports (matching) outcomes.py

This layer sits between the interface and matching (docs/architecture.md). It names the next step's task
(`steps`) rather than importing it, since the tasks, being interface, import the flows.
"""
