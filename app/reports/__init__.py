"""The referral summary: context building, SVG charts and PDF rendering, with no Flask."""
