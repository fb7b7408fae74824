"""Middleware of the benchmark settings: the number of SQL queries a request ran, in a response header.

First in the middleware list, so the queries of every other middleware (session, user) are counted too.
Counted by a database execute wrapper, which works with DEBUG off (connection.queries needs DEBUG). A
streamed body (a PDF download) is sent after this returns: its file is read then, with no query.
"""

from __future__ import annotations

from django.db import connection

HEADER = "X-Query-Count"


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response[HEADER] = str(count)
        return response
