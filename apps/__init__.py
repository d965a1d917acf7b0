"""meshkit.apps"""
