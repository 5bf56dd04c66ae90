"""The app's models, one package each: Django looks for them here.

Labels and tables stay ``invites``'s: ``invites.Link``, ``invites.TeamLink``…
"""

from invites.access_requests.models import AccessRequest
from invites.links.models import Link, PurgedLink
from invites.team_links.models import TeamLink, TeamLinkJoin
from invites.tokens.models import ApiToken

__all__ = ["AccessRequest", "ApiToken", "Link", "PurgedLink", "TeamLink", "TeamLinkJoin"]
