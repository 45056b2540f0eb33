"""oat: an operational acceptance test suite (運用受入テスト) for job-management software."""
