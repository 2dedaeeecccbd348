"""Residents' replies without a login, and what officers see of them.

* :mod:`lpt.replies.inbox`: what a resident does through the signed links in a message (reply,
  answer the survey, unsubscribe); the link is the credential (lpt.messaging.links).
* :mod:`lpt.replies.web`: the small web endpoint serving those pages (``lpt serve`` starts it).
* :mod:`lpt.replies.ratelimit`: the in-memory token buckets limiting the pages.
* :mod:`lpt.replies.engagement`: officers' side: replies to their messages and answers to them,
  and engagement per message and ward, behind lpt.access.guard.
"""
