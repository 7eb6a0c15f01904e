"""The capacity model: DynamoDB's documented limits applied to the service's traced requests (issue #17)."""
