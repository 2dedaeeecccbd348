"""Access control, audit and data protection: the only way to personal data.

See docs/SECURITY.md. Clients call the functions of :mod:`lpt.access.data`
and :mod:`lpt.access.rights` with the caller (:class:`User`, from
:func:`lpt.access.users.get_user` or a verified app link) and a purpose.
"""

from lpt.access.guard import FORCE, MINE, Area, PermissionDenied, User

__all__ = ["Area", "FORCE", "MINE", "PermissionDenied", "User"]
