"""Set-password links in the admin.

- ``issuing``: issuing links from the user admin (an action, a button on the
  change page, the link after adding a user) and the page that shows them once;
- ``handover``: printable handover sheets and the copy-ready messages;
- ``lifetimes``: how long links stay valid, as an administrator chooses it;
- ``links``: the read-only links list;
- ``purged_links``: what purging kept of used and revoked links, read-only;
- ``users``: the user admin of ``accounts``, registered again with the above;
- ``access_requests``: requests for an account, approved or declined;
- ``team_links``: team links, made (and shown once), listed and revoked.
"""

from invites.admin import access_requests, links, purged_links, team_links, users

__all__ = ["access_requests", "links", "purged_links", "team_links", "users"]
