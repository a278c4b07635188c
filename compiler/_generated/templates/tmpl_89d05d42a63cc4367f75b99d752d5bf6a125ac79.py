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
    l_0_container_args = resolve('container_args')
    try:
        t_1 = environment.filters['comment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'comment' found.")
    try:
        t_2 = environment.filters['dictsort']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'dictsort' found.")
    try:
        t_3 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_4 = environment.filters['sh']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'sh' found.")
    try:
        t_5 = environment.filters['sh_home']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No filter named 'sh_home' found.")
    try:
        t_6 = environment.filters['sort']
    except KeyError:
        @internalcode
        def t_6(*unused):
            raise TemplateRuntimeError("No filter named 'sort' found.")
    pass
    yield '# ==== this agent: '
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield ', compiled from '
    yield str(t_1(context, (undefined(name='source') if l_0_source is missing else l_0_source), 'source'))
    yield ' ====\n# shellcheck disable=SC2034,SC2016,SC2088,SC1003,SC2209  # facts: read by the library above; literal values\nset -u\numask 077\n\n'
    template = environment.get_template('_facts_run.sh.j2', 'sourceos-agent.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield 'FAIL_CLOSED='
    yield str((undefined(name='fail_closed') if l_0_fail_closed is missing else l_0_fail_closed))
    yield '\nSTOP_TIMEOUT='
    yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'lifecycle'), 'shutdown_timeout_seconds'))
    yield '\nENV_FILE='
    yield str(t_5(context, (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'environment_file') or ''), 'environmentFile'))
    yield '\n'
    if (environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'runtime') == 'podman'):
        pass
        yield 'ENV_NAMES='
        yield str(t_4(context, t_3(context.eval_ctx, t_6(environment, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'environment')), ' '), 'environment'))
        yield "\n\n# The host paths the container mounts, resolved with the user's HOME (the wrapper gives\n# Podman a home of its own later) into volume<N> and secret<N>.\nhost_sources() {\n"
        l_1_loop = missing
        for l_1_v, l_1_loop in LoopContext(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'volumes'), undefined):
            _loop_vars = {}
            pass
            if (not environment.getattr(l_1_v, 'named')):
                pass
                yield '    volume_source '
                yield str(t_5(context, environment.getattr(l_1_v, 'source'), 'podman.volumes'))
                yield '\n    volume'
                yield str(environment.getattr(l_1_loop, 'index'))
                yield '=$VOLUME_SOURCE\n'
        l_1_loop = l_1_v = missing
        l_1_loop = missing
        for (l_1_name, l_1_secret), l_1_loop in LoopContext(t_2(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'secrets')), undefined):
            _loop_vars = {}
            pass
            yield '    secret_source '
            yield str(t_5(context, environment.getattr(l_1_secret, 'source'), str_join(('secrets.', l_1_name, ))))
            yield '\n    secret'
            yield str(environment.getattr(l_1_loop, 'index'))
            yield '=$SECRET_SOURCE\n'
        l_1_loop = l_1_name = l_1_secret = missing
        yield '    :\n}\n\n# The container\'s options as declared (docs/quadlet.md, key by key): runs "$@" with them\n# appended, before the image.\nwith_run_options() {\n    "$@"'
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'network'):
            pass
            yield ' \\\n        --network '
            yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'network'))
        for l_1_port in environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'ports'):
            l_1_publish = resolve('publish')
            _loop_vars = {}
            pass
            yield ' \\\n        --publish '
            yield str(t_4(context, context.call((undefined(name='publish') if l_1_publish is missing else l_1_publish), l_1_port, _loop_vars=_loop_vars), 'podman.ports'))
        l_1_port = l_1_publish = missing
        l_1_loop = missing
        for l_1_v, l_1_loop in LoopContext(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'volumes'), undefined):
            _loop_vars = {}
            pass
            yield ' \\\n        --volume '
            if environment.getattr(l_1_v, 'named'):
                pass
                yield str(t_4(context, environment.getattr(l_1_v, 'source'), 'podman.volumes'))
            else:
                pass
                yield '"$volume'
                yield str(environment.getattr(l_1_loop, 'index'))
                yield '"'
            yield str(t_4(context, str_join((':', environment.getattr(l_1_v, 'target'), (':ro' if environment.getattr(l_1_v, 'read_only') else ''), )), 'podman.volumes'))
        l_1_loop = l_1_v = missing
        l_1_loop = missing
        for (l_1_name, l_1_secret), l_1_loop in LoopContext(t_2(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'secrets')), undefined):
            _loop_vars = {}
            pass
            yield ' \\\n        --volume "$secret'
            yield str(environment.getattr(l_1_loop, 'index'))
            yield '"'
            yield str(t_4(context, str_join((':', environment.getattr(l_1_secret, 'target'), ':ro', )), str_join(('secrets.', l_1_name, ))))
        l_1_loop = l_1_name = l_1_secret = missing
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'working_dir'):
            pass
            yield ' \\\n        --workdir '
            yield str(t_4(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'working_dir'), 'podman.workingDir'))
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'user'):
            pass
            yield ' \\\n        --user '
            yield str(t_4(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'user'), 'podman.user'))
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'read_only_rootfs'):
            pass
            yield ' \\\n        --read-only'
        for l_1_cap in environment.getattr(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'capabilities'), 'drop'):
            _loop_vars = {}
            pass
            yield ' \\\n        --cap-drop '
            yield str(t_4(context, l_1_cap, 'podman.capabilities.drop'))
        l_1_cap = missing
        for l_1_cap in environment.getattr(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'capabilities'), 'add'):
            _loop_vars = {}
            pass
            yield ' \\\n        --cap-add '
            yield str(t_4(context, l_1_cap, 'podman.capabilities.add'))
        l_1_cap = missing
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'podman'), 'no_new_privileges'):
            pass
            yield ' \\\n        --security-opt no-new-privileges'
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'memory_mb'):
            pass
            yield ' \\\n        --memory '
            yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'memory_mb'))
            yield 'm'
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'cpus'):
            pass
            yield ' \\\n        --cpus '
            yield str(t_4(context, environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'cpus'), 'resources.cpus'))
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'pids'):
            pass
            yield ' \\\n        --pids-limit '
            yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'pids'))
        if environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'open_files'):
            pass
            yield ' \\\n        --ulimit nofile='
            yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'open_files'))
            yield ':'
            yield str(environment.getattr(environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'resources'), 'open_files'))
        yield '\n}\n\n# The container\'s command: runs "$@" with the declared argv appended.\nwith_command() {\n    "$@"'
        for l_1_arg in context.call((undefined(name='container_args') if l_0_container_args is missing else l_0_container_args), (undefined(name='agent') if l_0_agent is missing else l_0_agent)):
            _loop_vars = {}
            pass
            yield ' '
            yield str(t_4(context, l_1_arg, 'command'))
        l_1_arg = missing
        yield '\n}\n'
    else:
        pass
        yield 'ENV_NAMES=\'\'\n\n# The program\'s arguments: runs "$@" with the declared argv (after the program) appended.\nwith_command() {\n    "$@"'
        for l_1_arg in environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'command')[1:]:
            _loop_vars = {}
            pass
            yield ' '
            yield str(t_5(context, l_1_arg, 'command'))
        l_1_arg = missing
        yield '\n}\n'
    yield '\nwrapper_main ${1+"$@"}\n'

blocks = {}
debug_info = '3=52&8=56&9=63&10=65&11=67&12=69&13=72&18=75&19=78&20=81&21=83&24=87&25=91&26=93&34=97&35=100&36=101&37=106&38=109&39=113&40=124&41=128&42=132&43=135&44=136&45=139&46=140&48=143&49=147&50=149&51=153&52=155&54=158&55=161&56=163&57=166&58=167&59=170&60=171&61=174&67=178&75=188'