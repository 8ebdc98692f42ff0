"""Follow-up: a saved search or an organisation, followed, says what is new since it was last
checked — new documents that match the search; for an organisation, new reports sent to it, its
new responses and commitments, responses that became overdue and commitments whose due date
passed. ``follows`` holds the rules over the rows of ``index.follows`` (what a follow watches,
its baseline, a check); ``atom`` writes a follow's Atom feed (RFC 4287), with links back to the
library only when a base URL is set. The pages (``/follows``), the feeds (``/follows/<id>.atom``)
and the CLI (``precedent follow …``) use the names below."""
from search.follow.atom import to_atom
from search.follow.follows import (
    WHAT,
    FollowError,
    check_follows,
    follow_organisation,
    follow_search,
    get_follow,
    list_follows,
    unfollow,
)

__all__ = [
    "WHAT",
    "FollowError",
    "check_follows",
    "follow_organisation",
    "follow_search",
    "get_follow",
    "list_follows",
    "to_atom",
    "unfollow",
]
