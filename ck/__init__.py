"""meshkit.ck"""
