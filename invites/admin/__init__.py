"""Set-password links, team links and access requests in the admin.

- ``users``: the user admin of ``accounts``, registered again with what follows;
- ``issuing``: issuing links from the user admin (an action, a button on the
  change page, the link after adding a user) and the page that shows them once;
- ``issued_links``: the rows of that page, and where it leads on;
- ``rendering``: one template drawn for each of many people at once (rows, messages);
- ``lifetimes``: how long links stay valid, as an administrator chooses it;
- ``handover``: printable handover sheets and the copy-ready messages;
- ``handover_views``: the views that print the sheets and draw a link's QR code;
- ``links``: the read-only links list, its filters and the revoke action;
- ``purged_links``: what purging kept of used and revoked links, read-only;
- ``link_states``: the words both lists use for a person's link;
- ``records``: what the lists of rows that keep a digest share;
- ``access_requests``: requests for an account, approved or declined;
- ``team_links``: team links, made (and shown once), listed and revoked;
- ``api_tokens``: API tokens, issued (and shown once), listed and revoked.
"""

from invites.admin import access_requests, api_tokens, links, purged_links, team_links, users

__all__ = ["access_requests", "api_tokens", "links", "purged_links", "team_links", "users"]
