from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'activate.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_agent = resolve('agent')
    l_0_source = resolve('source')
    l_0_facts = resolve('facts')
    l_0_gnu_patterns = resolve('gnu_patterns')
    try:
        t_1 = environment.filters['comment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'comment' found.")
    try:
        t_2 = environment.filters['sh']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'sh' found.")
    pass
    yield '# ==== this agent: '
    yield str(t_1(context, environment.getattr((undefined(name='agent') if l_0_agent is missing else l_0_agent), 'name'), 'name'))
    yield ', compiled from '
    yield str(t_1(context, (undefined(name='source') if l_0_source is missing else l_0_source), 'source'))
    yield ' ====\n'
    yield str((undefined(name='facts') if l_0_facts is missing else l_0_facts))
    yield '# shellcheck disable=SC2016  # the patterns of rule gnu-only-syntax are literal\nGNU_PATTERNS='
    yield str(t_2(context, (undefined(name='gnu_patterns') if l_0_gnu_patterns is missing else l_0_gnu_patterns), 'name'))
    yield '\n\nactivate_main ${1+"$@"}\n'

blocks = {}
debug_info = '3=28&4=32&5=34'