"""The navbar's unread badge as a user reads it, for tests of any app."""

import re

BADGE = re.compile(r'id="notifications-unread">(\d+)<')


def unread_badge(client, path="/notifications/"):
    """The number the badge shows on `path` (0 when it shows none)."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    found = BADGE.search(response.content.decode())
    return int(found.group(1)) if found else 0
