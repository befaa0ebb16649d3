"""Villagers' voice: 诉求, 举报 and 异议 sent through the portal, tracked to 办结, and the 回音壁's figures."""
