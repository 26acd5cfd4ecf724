"""Roles are permission groups: data, not code.

The defaults below are created once (never overwritten) so an administrator can edit them and add
new roles (judge, department member, auditor) in the admin without a deployment.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

# Capabilities checked by the services and selectors; declared on tickets.Ticket.Meta.permissions.
VIEW_STREET_TICKETS = "tickets.view_street_tickets"  # every order of the user's street(s)
VIEW_CONTACT = "tickets.view_contact"  # full phone numbers and names
DISPATCH = "tickets.dispatch_ticket"  # dispatch, transfer, merge, cancel, pause
HANDLE = "tickets.handle_ticket"  # accept, arrive, resolve, return, grab
CALLBACK = "tickets.callback_ticket"  # record ratings from a call-back (回访), reopen
EXTEND = "tickets.extend_ticket"  # approve a new deadline (延期)
CREATE_FOR_OTHERS = "tickets.create_for_others"  # take orders on a caller's behalf
ASSIGN_MATTER = "tickets.assign_matter"  # assign matters to departments (交办, 一件事)
# The duty roster (排班, /console/roster/): who reads it (dispatchers, managers) and who changes
# shifts, leave and covers on it (managers).
ROSTER_VIEW = "people.view_staffprofile"
ROSTER_EDIT = "people.change_shift"

ROLE_LABELS = {
    "resident": _("Resident"),
    "operator": _("Hotline operator"),
    "dispatcher": _("Dispatcher"),
    "worker": _("Worker"),
    "vendor": _("Vendor"),
    "manager": _("Manager"),
    "department": _("Department member"),
    "admin": _("Administrator"),
}


def role_label(role: str) -> str:
    """The role's name in the user's language; unknown roles (added as data) by their code."""
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role


_ADMIN_VIEW = [
    "org.view_street",
    "org.view_community",
    "org.view_compound",
    "org.view_building",
    "org.view_unit",
    "catalog.view_servicecategory",
    "tickets.view_ticket",
    "tickets.view_ticketevent",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "resident": [],
    "operator": [VIEW_STREET_TICKETS, VIEW_CONTACT, CALLBACK, CREATE_FOR_OTHERS, *_ADMIN_VIEW],
    "dispatcher": [
        VIEW_STREET_TICKETS,
        VIEW_CONTACT,
        DISPATCH,
        CALLBACK,
        CREATE_FOR_OTHERS,
        *_ADMIN_VIEW,
        "people.view_staffprofile",
        "people.view_vendor",
        "people.view_leave",
        "people.view_cover",
        "dispatch.view_dispatchrule",
    ],
    "worker": [HANDLE, "tickets.view_ticket", "tickets.view_ticketevent"],
    "vendor": [HANDLE, "tickets.view_ticket", "tickets.view_ticketevent"],
    # Handles the department's matters assigned to them, like a worker handles orders.
    "department": [HANDLE, "tickets.view_ticket", "tickets.view_ticketevent"],
    "manager": [
        VIEW_STREET_TICKETS,
        VIEW_CONTACT,
        DISPATCH,
        CALLBACK,
        EXTEND,
        CREATE_FOR_OTHERS,
        ASSIGN_MATTER,
        *_ADMIN_VIEW,
        "catalog.change_servicecategory",
        "people.view_staffprofile",
        "people.change_staffprofile",
        "people.view_shift",
        "people.add_shift",
        "people.change_shift",
        "people.delete_shift",
        # The duty roster (/console/roster/): leave (请假) and covers (顶班).
        "people.view_leave",
        "people.delete_leave",
        "people.view_cover",
        "people.delete_cover",
        "people.view_vendor",
        "people.change_vendor",
        "people.view_resident",
        "org.change_compound",
        # Routing: dedicated handlers (专人负责制) and the street's auto-dispatch setting.
        "dispatch.view_dispatchrule",
        "dispatch.add_dispatchrule",
        "dispatch.change_dispatchrule",
        "dispatch.delete_dispatchrule",
        "dispatch.view_streetdispatchsettings",
        "dispatch.add_streetdispatchsettings",
        "dispatch.change_streetdispatchsettings",
    ],
    # Administrators are superusers; the group exists so the role can be listed and assigned.
    "admin": [],
}

# Roles whose members sign in to the back office (Django admin).
STAFF_ROLES = {"operator", "dispatcher", "worker", "vendor", "department", "manager", "admin"}


def roles_ensure_defaults(sender: Any = None, **kwargs: Any) -> None:
    """Create missing role groups with their default permissions; leave existing ones alone.

    Runs on every app's post_migrate; a group is only created once all of its permissions exist
    (they are created app by app during the same migrate run).
    """
    from django.contrib.auth.models import Group, Permission

    using = kwargs.get("using", "default")
    existing = set(Group.objects.using(using).values_list("name", flat=True))
    for role, labels in ROLE_PERMISSIONS.items():
        if role in existing:
            continue
        perms = []
        for label in labels:
            app_label, codename = label.split(".")
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is None:
                break
            perms.append(perm)
        else:
            group = Group.objects.using(using).create(name=role)
            group.permissions.set(perms)
