"""信访通 Xinfang: case management for county petition offices."""
