"""Video calls in chats (SPEC §9): rules, use cases and the provider port."""
