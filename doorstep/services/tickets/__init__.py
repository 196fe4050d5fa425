"""Tickets (诉求 / 工单): submit, dispatch, acknowledge, return and redispatch, extend, resolve,
follow up, rate, rectify.

Every use case runs in one transaction on the locked ticket row, appends ticket events and
queues notifications; nothing is half-written. The citizen's "solved" (in the app, by SMS
reply, by phone) goes through the one function `follow_up.answer_follow_up`.

One module per side of a ticket's life: `submit` (filing), `reading` (queries), `handling` (the
unit and the supervisors), `follow_up` (the citizen); `views` and `common` are what they share.
"""
