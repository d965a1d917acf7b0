"""meshkit.runtime"""
