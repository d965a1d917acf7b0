"""meshkit.models"""
