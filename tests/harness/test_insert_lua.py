"""The wrk script of the bare INSERT baseline, shared by harness.loadtest and harness.surveybench."""

from __future__ import annotations

from harness import loadtest, surveybench


def test_the_script_posts_the_text_and_a_counter_to_insert():
    lua = loadtest.insert_lua("希望增加停车位 ")
    assert 'wrk.method = "POST"' in lua
    assert 'return wrk.format(nil, "/insert", nil, "希望增加停车位 " .. n)' in lua


def test_quotes_and_backslashes_stay_inside_the_lua_string():
    lua = loadtest.insert_lua('他说"要\\快"')
    assert '"他说\\"要\\\\快\\"" .. n' in lua


def test_both_benchmarks_use_the_one_script():
    assert surveybench.insert_lua is loadtest.insert_lua
    assert not hasattr(loadtest, "INSERT_LUA") and not hasattr(surveybench, "INSERT_LUA")
