from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'sourceos-agent.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_source = resolve('source')
    l_0_fail_closed = resolve('fail_closed')
    l_0_restart = resolve('restart')
    try:
        t_1 = environment.filters['comment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'comment' found.")
    try:
        t_2 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_3 = environment.filters['sh']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'sh' found.")
    try:
        t_4 = environment.filters['sh_home']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'sh_home' found.")
    try:
        t_5 = environment.filters['sort']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No filter named 'sort' found.")
    try:
        t_6 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_6(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    yield '# ==== this agent: '
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield ', compiled from '
    yield str(t_1(context, (undefined(name='source') if l_0_source is missing else l_0_source), 'source'))
    yield ' ====\n# shellcheck disable=SC2034,SC2016,SC2088,SC1003  # facts: read by the library above; literal values\nset -u\numask 077\n\n'
    template = environment.get_template('_facts_run.sh.j2', 'sourceos-agent.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield 'FAIL_CLOSED='
    yield str((undefined(name='fail_closed') if l_0_fail_closed is missing else l_0_fail_closed))
    yield '\nBREAKER_MAX='
    yield str((environment.getattr((undefined(name='restart') if l_0_restart is missing else l_0_restart), 'restarts_per_hour') if (not t_6(environment.getattr((undefined(name='restart') if l_0_restart is missing else l_0_restart), 'restarts_per_hour'))) else "''"))
    yield '\nSTOP_TIMEOUT='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'shutdown_timeout_seconds'))
    yield '\nENV_FILE='
    yield str(t_4(context, (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'environment_file') or ''), 'environmentFile'))
    yield '\n'
    if (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman'):
        pass
        yield 'ENV_NAMES='
        yield str(t_3(context, t_2(context.eval_ctx, t_5(environment, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'environment')), ' '), 'environment'))
        yield '\n\n# The container\'s command: runs "$@" with the declared argv appended.\nwith_command() {\n    "$@"'
        for l_1_arg in (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'command') or ()):
            _loop_vars = {}
            pass
            yield ' '
            yield str(t_3(context, l_1_arg, 'command'))
        l_1_arg = missing
        yield '\n}\n'
    else:
        pass
        yield 'ENV_NAMES=\'\'\n\n# The program\'s arguments: runs "$@" with the declared argv (after the program) appended.\nwith_command() {\n    "$@"'
        for l_1_arg in environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'command')[1:]:
            _loop_vars = {}
            pass
            yield ' '
            yield str(t_4(context, l_1_arg, 'command'))
        l_1_arg = missing
        yield '\n}\n'
    yield '\nwrapper_main ${1+"$@"}\n'

blocks = {}
debug_info = '3=52&8=56&9=63&10=65&11=67&12=69&13=71&14=74&18=76&26=86'