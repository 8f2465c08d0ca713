"""The HTTP stack of the services that face the network (the media service, the dispatch intake,
the officers' pages): Starlette apps served by uvicorn, with limits, timeouts and headers."""
