"""HTTP/1.1 on the wire, on bytes alone: reading requests, framing responses."""

from __future__ import annotations

import unittest

from aiohttpretty import _wire


class ReadHeadTest(unittest.TestCase):
    def test_request_line_and_framing_headers(self):
        head = _wire.read_head(
            b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
            b"Connection: close\r\n\r\n"
        )
        self.assertEqual((head.method, head.target), ("POST", "/a?b=1"))
        self.assertEqual(
            (head.length, head.chunked, head.expects_continue, head.closes), (5, False, True, True)
        )
        self.assertTrue(head.has_body)
        self.assertEqual(_wire.parse_header_lines(head.header_lines).getall("host"), ["x"])

    def test_a_target_with_raw_spaces_is_kept_whole(self):
        head = _wire.read_head(b"GET /that kerning/file?Signature=a b HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(head.target, "/that kerning/file?Signature=a b")
        self.assertFalse(head.has_body)

    def test_chunked_and_bodiless(self):
        self.assertTrue(_wire.read_head(b"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").chunked)
        head = _wire.read_head(b"DELETE / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        self.assertEqual((head.length, head.has_body), (0, False))

    def test_first_values_reads_as_the_parsed_headers_do(self):
        lines = (
            b"Host: x\r\nconnection:  keep-alive, Upgrade \r\nSEC-WEBSOCKET-KEY: abc\r\n"
            b"Sec-WebSocket-Key: second\r\nX-Connection: no\r\nSec-WebSocket-Protocol:\r\n"
            b"Sec-WebSocket-Version : 13\r\nX-Name: caf\xc3\xa9\r\n"
        )
        names = (
            "connection",
            "sec-websocket-key",
            "sec-websocket-protocol",
            "sec-websocket-version",
            "x-name",
        )
        parsed = _wire.parse_header_lines(lines)
        self.assertEqual(
            _wire.first_values(lines, (*names, "absent")), {name: parsed[name] for name in names}
        )


class RequestReaderTest(unittest.TestCase):
    def test_a_request_fed_byte_by_byte(self):
        data = b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
        reader = _wire.RequestReader()
        done = [reader.feed(data[i : i + 1]) for i in range(len(data))]
        self.assertEqual(done, [False] * (len(data) - 1) + [True])
        self.assertEqual(reader.body, b"abc")

    def test_a_chunked_body(self):
        reader = _wire.RequestReader()
        self.assertFalse(reader.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab"))
        self.assertFalse(reader.feed(b"c\r\n2;ext=1\r\nde\r\n"))
        self.assertTrue(reader.feed(b"0\r\n\r\n"))
        self.assertEqual(reader.body, b"abcde")


class ResponseTest(unittest.TestCase):
    def test_head_and_chunks(self):
        self.assertEqual(
            _wire.response_head(404, "Not Found", [("A", "1")]), b"HTTP/1.1 404 Not Found\r\nA: 1\r\n\r\n"
        )
        self.assertEqual(_wire.chunk(b"hello") + _wire.LAST_CHUNK, b"5\r\nhello\r\n0\r\n\r\n")

    def test_which_responses_have_no_body(self):
        for method, status, expected in [
            ("HEAD", 200, True),
            ("GET", 101, True),
            ("GET", 204, True),
            ("GET", 304, True),
            ("GET", 200, False),
            ("POST", 404, False),
        ]:
            with self.subTest(method=method, status=status):
                self.assertIs(_wire.has_no_body(method, status), expected)

    def test_where_a_response_ends(self):
        plain = _wire.Framing.of([])
        self.assertFalse(plain.ends_cleanly(10, length_set=False))  # read until close
        self.assertTrue(plain.ends_cleanly(10, length_set=True))
        self.assertTrue(_wire.Framing.of([("Content-Length", "10")]).ends_cleanly(10, length_set=False))
        self.assertFalse(_wire.Framing.of([("Content-Length", "9")]).ends_cleanly(10, length_set=False))
        self.assertTrue(_wire.Framing.of([("Transfer-Encoding", "chunked")]).ends_cleanly(None, False))
        self.assertFalse(_wire.Framing.of([("Connection", "close")]).ends_cleanly(10, length_set=True))

    def test_a_request_asking_to_close_ends_the_connection(self):
        closing = _wire.read_head(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        self.assertFalse(_wire.keeps_alive(closing, True))
        self.assertTrue(_wire.keeps_alive(_wire.read_head(b"GET / HTTP/1.1\r\n\r\n"), True))
        self.assertFalse(_wire.keeps_alive(None, False))


class ResponseReaderTest(unittest.TestCase):
    """Reading a server's response byte by byte, as a recording does."""

    def feed(self, reader: _wire.ResponseReader, data: bytes) -> bool:
        done = False
        for index in range(len(data)):  # one byte at a time: every split is handled
            done = reader.feed(data[index : index + 1])
        return done

    def test_content_length_with_an_interim_100_continue_skipped(self):
        reader = _wire.ResponseReader("POST")
        data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc"
        self.assertTrue(self.feed(reader, data))
        self.assertEqual(
            reader.head, _wire.ResponseHead(201, "Created", [("Content-Length", "3"), ("X-A", "b")])
        )
        self.assertEqual((reader.body, reader.chunked), (b"abc", False))

    def test_chunked_bodies_lose_their_framing(self):
        reader = _wire.ResponseReader("GET")
        data = (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n"
        )
        self.assertFalse(self.feed(reader, data[:-2]))
        self.assertTrue(reader.feed(data[-2:]))
        self.assertEqual((reader.body, reader.chunked), (b"abc0123456789", True))

    def test_a_body_without_framing_ends_when_the_server_closes(self):
        reader = _wire.ResponseReader("GET")
        self.assertFalse(self.feed(reader, b"HTTP/1.1 200 OK\r\n\r\nuntil close"))
        self.assertTrue(reader.closed())
        self.assertEqual(reader.body, b"until close")

    def test_a_response_cut_short_is_not_complete(self):
        reader = _wire.ResponseReader("GET")
        self.assertFalse(self.feed(reader, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"))
        self.assertFalse(reader.closed())

    def test_no_body_for_head_204_and_304(self):
        for method, status in (("HEAD", 200), ("GET", 204), ("GET", 304)):
            with self.subTest(status=status):
                reader = _wire.ResponseReader(method)
                self.assertTrue(reader.feed(b"HTTP/1.1 %d X\r\nContent-Length: 42\r\n\r\n" % status))
                self.assertEqual(reader.body, b"")

    def test_a_status_line_that_is_not_http_is_refused(self):
        with self.assertRaisesRegex(ValueError, "not an HTTP response status line"):
            _wire.ResponseReader("GET").feed(b"SSH-2.0-OpenSSH\r\n\r\n")
