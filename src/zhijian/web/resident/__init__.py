"""派驻检察管理: the resident office's daily work (logs, safety inspections, talks,
complaints), its registers and reports, and statistics across the unit tree."""
